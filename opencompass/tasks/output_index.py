"""One index of finished outputs per run, so ``-r`` reads one file instead of every sidecar.

``RUN_DIR/status/index/``: every process that writes outputs appends one line per
output it finishes to its own file (``HOST.PID.TOKEN.idx``: one writer per file, so no
lock and no interleaving, on NFS too); the driver merges them into ``index.idx``. A line::

    v1 TAB kind/MODEL/DATASET.json TAB OUT_STAT TAB META_STAT TAB FINGERPRINT TAB BASE TAB IDS
       TAB DIGEST TAB KEY

records what the output's sidecar said (fingerprint, base fingerprint, sample range, and
the key of its components, :func:`.fingerprints.components_key`) and the digest of the
output's bytes, together with ``inode:size:mtime_ns:ctime_ns`` of the
output and of its sidecar taken after both were written. An entry is trusted only while
both files still have exactly those stats (any rewrite, rename, edit or deletion changes
the inode or the ctime, which no one can set back); otherwise, and whenever the index is
missing, torn or unreadable, the sidecar itself is read (:mod:`.outputs`). The index can
therefore only make a check faster, never make a stale output look fresh: the sidecar
stays the authority, and it is written and deleted exactly as without an index.
"""
from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

VERSION = 'v1'
COMPACT = 'index.idx'


def index_dir(run_dir: str) -> str:
    return os.path.join(run_dir, 'status', 'index')


def stat_key(st: os.stat_result) -> str:
    return f'{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}'


def _meta_path(path: str) -> str:
    head, tail = os.path.split(path)
    return f'{head}/.meta/{tail}'


@dataclass
class Entry:
    """What the sidecar of one output said while the output and sidecar had these stats."""

    out: str
    meta: str
    fingerprint: str
    base: str
    ids: str
    digest: str
    key: str

    def line(self, rel: str) -> str:
        return '\t'.join((VERSION, rel, self.out, self.meta, self.fingerprint, self.base,
                          self.ids, self.digest, self.key)) + '\n'

    def as_meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = {'fingerprint': self.fingerprint}
        if self.base != '-':
            meta['base_fingerprint'] = self.base
        if self.ids != '-':
            start, _, stop = self.ids.partition(':')
            meta['ids'] = [int(start), int(stop)]
        return meta

    def newer_than(self, other: Entry) -> bool:
        """Two entries of one path: the one whose sidecar changed last (ctime) wins."""
        def ctime(key: str) -> int:
            try:
                return int(key.rsplit(':', 1)[1])
            except (IndexError, ValueError):
                return -1
        return ctime(self.meta) >= ctime(other.meta)


def parse_line(line: str) -> tuple[str, Entry] | None:
    """``(relative path, entry)``, or None for a torn, foreign or damaged line."""
    if not line.endswith('\n'):
        return None  # the last line of a writer that died while appending
    fields = line[:-1].split('\t')
    # a damaged field can only fail to match (a stat, a fingerprint): no deeper checks
    if len(fields) != 9 or fields[0] != VERSION or '' in fields:
        return None
    return fields[1], Entry(*fields[2:])


class OutputIndex:
    """The merged index of one run directory, checked against the files' current stats."""

    def __init__(self, run_dir: str):
        self.run_dir = run_dir.rstrip(os.sep) or os.sep
        self.prefix = self.run_dir + os.sep
        self.entries: dict[str, Entry] = {}
        self.verified: dict[str, Entry] = {}   # rel -> entry whose stats matched just now
        self.dead: set[str] = set()            # rel paths whose entry no longer matches
        self.files: dict[str, str] = {}        # index file name -> its stat when read
        self.reload()

    def reload(self) -> None:
        """Read the index files that are new or changed since the last read (entries already
        checked stay checked unless something new was indexed: see :meth:`forget_checks`)."""
        folder = index_dir(self.run_dir)
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith('.idx'))
        except OSError:
            names = []
        for gone in set(self.files) - set(names):
            del self.files[gone]
        for name in names:
            path = os.path.join(folder, name)
            try:
                with open(path, encoding='utf-8', errors='replace') as f:
                    key = stat_key(os.fstat(f.fileno()))
                    if self.files.get(name) == key:
                        continue
                    text = f.read()
            except OSError:
                continue
            self.files[name] = key
            self.verified.clear()
            entries = self.entries
            for line in text.splitlines(keepends=True):
                parsed = parse_line(line)
                if parsed is None:
                    continue
                rel, entry = parsed
                old = entries.get(rel)
                if old is None or entry.newer_than(old):
                    entries[rel] = entry
                    self.dead.discard(rel)

    def rel(self, path: str) -> str | None:
        return path[len(self.prefix):] if path.startswith(self.prefix) else None

    def lookup(self, path: str) -> Entry | None:
        """The entry of ``path`` if the output and its sidecar are exactly as indexed."""
        rel = self.rel(path)
        if rel is None:
            return None
        hit = self.verified.get(rel)
        if hit is not None:
            return hit
        entry = self.entries.get(rel)
        if entry is None:
            return None
        try:
            out = stat_key(os.stat(path))
            meta = stat_key(os.stat(_meta_path(path)))
        except OSError:
            self.dead.add(rel)
            return None
        if out != entry.out or meta != entry.meta:
            self.dead.add(rel)
            return None
        self.verified[rel] = entry
        return entry

    def fresh(self, path: str, key: str) -> Entry | None:
        """The entry of ``path`` if it was made from components with this key (so with
        the current fingerprint) and is exactly as indexed; else None (ask the sidecar)."""
        rel = self.rel(path)
        entry = self.entries.get(rel) if rel is not None else None
        if entry is None or entry.key != key:
            return None
        return self.lookup(path)

    def learn(self, path: str, out: os.stat_result, meta_st: os.stat_result,
              meta: dict[str, Any]) -> None:
        """Remember what a sidecar read the slow way said (stats taken *before* reading,
        so a file replaced meanwhile can only make the entry not match later)."""
        rel = self.rel(path)
        entry = entry_from_meta(stat_key(out), stat_key(meta_st), meta, '-', _kind(rel))
        if rel is not None and entry is not None:
            self.entries[rel] = self.verified[rel] = entry
            self.dead.discard(rel)
            self.learned = True

    learned = False

    def digest(self, path: str) -> str | None:
        rel = self.rel(path)
        entry = self.verified.get(rel) if rel is not None else None
        return entry.digest if entry is not None and entry.digest != '-' else None

    def forget_checks(self) -> None:
        """Outputs may have been rewritten (tasks ran): check stats again from now on."""
        self.verified.clear()

    def compact(self) -> bool:
        """Rewrite the index as one file (driver only, while no task runs); True if written.

        Kept: every entry not seen to be dead, with the digests learned meanwhile. Nothing is
        written when the index is already one file holding exactly that."""
        from .fingerprints import cached_digest
        self.reload()
        for rel in self.dead:
            self.entries.pop(rel, None)
        names = list(self.files)
        if not self.learned and not self.dead and len(names) <= 1:
            return False
        lines = []
        for rel, entry in self.entries.items():
            if entry.digest == '-' and rel.startswith('predictions' + os.sep):
                _, size, mtime, ctime = (int(x) for x in entry.out.split(':'))
                found = cached_digest(self.prefix + rel, size, mtime, ctime)
                if found:
                    entry.digest = found
            lines.append(entry.line(rel))
        from ..utils.fileio import atomic_write_text
        folder = index_dir(self.run_dir)
        try:
            atomic_write_text(os.path.join(folder, COMPACT), ''.join(lines))
        except OSError:
            return False
        for name in names:
            if name != COMPACT:
                try:
                    os.unlink(os.path.join(folder, name))
                except OSError:
                    pass
        self.files = {}
        self.reload()
        self.learned, self.dead = False, set()
        return True


def _kind(rel: str | None) -> str:
    return (rel or '').split(os.sep, 1)[0]


def entry_from_meta(out: str, meta_key: str, meta: dict[str, Any], digest: str,
                    kind: str) -> Entry | None:
    fp = meta.get('fingerprint')
    if not isinstance(fp, str) or not fp or any(c in fp for c in '\t\n'):
        return None
    base = meta.get('base_fingerprint')
    base = base if isinstance(base, str) and base and '\t' not in base else '-'
    ids = meta.get('ids')
    ids_text = f'{int(ids[0])}:{int(ids[1])}' if isinstance(ids, list) and len(ids) == 2 and \
        all(isinstance(i, int) for i in ids) else '-'
    key = '-'
    components = meta.get('components')
    if isinstance(components, dict) and all(isinstance(v, str) for v in components.values()):
        from .fingerprints import combine, components_key
        if combine(components) == fp:  # a key stands for the fingerprint only if it is its
            key = components_key(kind, components)
    return Entry(out, meta_key, fp, base, ids_text, digest or '-', key)


# -- writing: each process appends to its own file ------------------------------------
_writer_name = f'{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:8]}.idx'
_writer_pid = os.getpid()


def record(path: str, meta: dict[str, Any], digest: str) -> None:
    """Index an output whose file and sidecar were just written (best effort: a line that
    is lost or torn only means the sidecar is read next time)."""
    global _writer_name, _writer_pid
    if os.getpid() != _writer_pid:   # a forked child gets a file of its own
        _writer_pid = os.getpid()
        _writer_name = f'{socket.gethostname()}.{_writer_pid}.{uuid.uuid4().hex[:8]}.idx'
    kind_dir = os.path.dirname(os.path.dirname(path))
    if os.path.basename(kind_dir) not in ('predictions', 'results'):
        return  # not in a run directory's layout: nothing to index
    run_dir = os.path.dirname(kind_dir)
    rel = os.path.relpath(path, run_dir)
    try:
        out, meta_st = os.stat(path), os.stat(_meta_path(path))
    except OSError:
        return
    entry = entry_from_meta(stat_key(out), stat_key(meta_st), meta, digest, _kind(rel))
    if entry is None or '\t' in rel or '\n' in rel:
        return
    folder = index_dir(run_dir)
    try:
        os.makedirs(folder, exist_ok=True)
        fd = os.open(os.path.join(folder, _writer_name), os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                     0o644)
        try:
            os.write(fd, entry.line(rel).encode('utf-8'))  # one write per line
        finally:
            os.close(fd)
    except OSError:
        pass


# -- the index the driver's checks use while it plans ------------------------------------
_active: OutputIndex | None = None


def active() -> OutputIndex | None:
    return _active


@contextmanager
def using(index: OutputIndex | None) -> Iterator[OutputIndex | None]:
    """Let :mod:`.outputs` answer from ``index`` while this is open (the driver's planning)."""
    global _active
    outer = _active
    _active = index
    try:
        yield index
    finally:
        _active = outer
