"""Sandboxes: where every agent command runs (Docker backend, images, offline builder).

base.Sandbox / ExecResult        the protocol every backend implements
docker_sandbox.DockerSandbox     hardened container with the worktree at /workspace
pool.WarmPool                    pre-started sandboxes, refilled in the background
setup_cache.prepare_setup_image  a repo's setup commands, run once with network, cached
prune.prune                      remove containers whose owner died or run ended
builder.build_base               the offline image builder (debootstrap + docker import)
health.check_sandbox             checks for `factory doctor`
"""
