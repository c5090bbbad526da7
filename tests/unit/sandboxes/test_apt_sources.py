from pathlib import Path

from sandboxes.apt_sources import DebianSource, machine_debian_source


def test_deb822_sources_give_the_main_suite_not_security(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\n"
        "URIs: http://security.example/debian-security\n"
        "Suites: bookworm-security\n"
        "Components: main\n\n"
        "Types: deb\n"
        "# a comment: with a colon\n"
        "URIs: http://mirror.example/debian\n"
        "Suites: bookworm bookworm-updates\n"
        "Components: main\n"
    )
    assert machine_debian_source(tmp_path) == DebianSource(
        "http://mirror.example/debian", "bookworm"
    )


def test_one_line_sources_are_read_when_there_is_no_deb822(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text(
        "# deb http://commented.example/debian bookworm main\n"
        "deb-src http://src.example/debian bookworm main\n"
        "deb [arch=amd64] http://mirror.example/debian trixie main\n"
    )
    assert machine_debian_source(tmp_path) == DebianSource("http://mirror.example/debian", "trixie")


def test_no_sources_means_none(tmp_path: Path) -> None:
    assert machine_debian_source(tmp_path) is None
