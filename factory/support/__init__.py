"""What every layer of `factory/` may use and no other package owns.

- `errors`: `FactoryError`, the base of the product's expected errors (each names its exit code
  and its `--json` code), and `error_text`, an exception's message as written.
- `timespec`: the one grammar of every `--since`, `--until` and `--max-wall`: `30s`, `15m`,
  `12h`, `30d`, `2w` (or `1h30m`), an ISO date or date and time.
- `wording`: counted nouns (`plural`: "1 file", "2 files") and times as people read them.
- `stopping`: Ctrl-C and SIGTERM for a driver of many runs: drain first, stop at once on the
  second (the sweep and `factory eval run`).
- `utc`: aware UTC datetimes; SQLite hands back naive ones, and rows are made aware once where
  they are read.
"""
