"""Crash-safe file writing: atomic JSON files and append-only JSONL journals."""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from typing import IO, Any


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, never half."""
    from .redaction import scrub
    text = scrub(text)  # no known secret reaches a file
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.' + os.path.basename(path), suffix='.tmp')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_json(path: str, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=2))


def read_json(path: str) -> Any:
    with open(path, encoding='utf-8') as f:
        return json.load(f)


_json_cache: dict[str, tuple[tuple[int, int, int, int], Any]] = {}


def read_json_cached(path: str) -> Any:
    """:func:`read_json`, remembered while the file is unchanged (same inode, size, mtime and
    ctime; atomic writes replace the inode, in-place edits change the ctime): for the
    sidecars and results one run reads several times (``-r`` planning, summary, report).
    The value is shared: read-only."""
    st = os.stat(path)
    key = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    hit = _json_cache.get(path)
    if hit is not None and hit[0] == key:
        return hit[1]
    value = read_json(path)
    _json_cache[path] = (key, value)
    return value


class Journal:
    """An append-only JSONL file of finished samples, readable after any crash.

    The first line is a header holding the fingerprint of the work; a journal
    whose header does not match is discarded. Torn last lines and duplicates are
    ignored when reading, so a ``kill -9`` at any moment loses at most the
    sample being written.

    Test hook, off by default: with ``OC_JOURNAL_LOG=FILE`` in the environment, every
    sample journaled (computed and saved) also appends ``LABEL SAMPLE_ID`` to FILE, so
    a test can check that no sample is computed twice across kills and resumes.
    """

    def __init__(self, path: str, fingerprint: str, label: str = ''):
        self.path = path
        self.fingerprint = fingerprint
        self.label = label or os.path.basename(path)  # names this journal in OC_JOURNAL_LOG
        self._fh: IO[str] | None = None

    def load(self) -> dict[str, Any]:
        """Return ``{sample_id: record}`` of what a previous attempt finished."""
        done: dict[str, Any] = {}
        try:
            lines = iter(self._lines())
            header = json.loads(next(lines))
        except (FileNotFoundError, StopIteration, ValueError):
            return done
        if header.get('fingerprint') != self.fingerprint:
            return done
        for line in lines:
            try:
                entry = json.loads(line)
                done[str(entry['id'])] = entry['record']
            except (ValueError, KeyError, TypeError):
                continue  # a torn write: the sample is simply redone
        return done

    def _lines(self) -> Iterator[str]:
        with open(self.path, encoding='utf-8', errors='replace') as f:
            for line in f:
                if line.endswith('\n'):
                    yield line

    def open(self, keep: bool) -> None:
        """Open for appending; ``keep=False`` starts a fresh journal."""
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        if keep and os.path.exists(self.path):
            fh = self._fh = open(self.path, 'a', encoding='utf-8')
            fh.write('\n')  # terminate a torn last line, if any
        else:
            fh = self._fh = open(self.path, 'w', encoding='utf-8')
            fh.write(json.dumps({'fingerprint': self.fingerprint}) + '\n')
        fh.flush()

    def append(self, items: dict[str, Any]) -> None:
        from .redaction import scrub
        assert self._fh is not None, 'Journal.open() first'
        for sid, record in items.items():
            line = json.dumps({'id': sid, 'record': record}, ensure_ascii=False)
            self._fh.write(scrub(line) + '\n')
        self._fh.flush()
        os.fsync(self._fh.fileno())
        log = os.environ.get('OC_JOURNAL_LOG')
        if log:
            with open(log, 'a', encoding='utf-8') as f:
                f.write(''.join(f'{self.label} {sid}\n' for sid in items))

    def close(self) -> None:
        if self._fh:
            self._fh.close()
            self._fh = None

    def remove(self) -> None:
        self.close()
        if os.path.exists(self.path):
            os.unlink(self.path)
