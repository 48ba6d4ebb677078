"""``run.py``: parse the command line, then plan and run the stages of an evaluation."""
from __future__ import annotations

import argparse
import os
import sys

from .errors import OpenCompassError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog='run.py', description='Evaluate models on datasets, locally or on Slurm.')
    p.add_argument('config', nargs='?', default=None,
                   help='the evaluation config (a Python file); or use --models/--datasets')
    p.add_argument('-p', '--partition', help='Slurm partition (runs tasks with SlurmRunner)')
    p.add_argument('-q', '--quotatype', default=None, choices=['reserved', 'auto', 'spot'],
                   help='Slurm quota type (default: auto)')
    p.add_argument('--qos', help='Slurm QOS')
    p.add_argument('--debug', action='store_true',
                   help='run tasks one by one in this process, output live')
    p.add_argument('-m', '--mode', default='all', choices=['all', 'infer', 'eval', 'viz'],
                   help='all (default), infer only, eval only (needs -r), viz only (needs -r)')
    p.add_argument('-r', '--reuse', nargs='?', const='latest', default=None, metavar='TIMESTAMP',
                   help='reuse the newest run in WORKDIR, or the one named; redo only what is '
                        'missing or stale')
    p.add_argument('-w', '--work-dir', default=None,
                   help='where runs are written (default: outputs/default)')
    p.add_argument('-l', '--lark', action='store_true',
                   help='post run status to the Lark bot (lark_bot_url in the config)')
    p.add_argument('--compare', default=None, metavar='RUN',
                   help='with -m viz: also show the scores of another run (TIMESTAMP in WORKDIR '
                        'or a run directory) side by side')
    p.add_argument('--dry-run', action='store_true',
                   help='print the task plan (and commands) and exit without running anything')
    p.add_argument('--allow-unsafe-code', action='store_true',
                   help='run generated code unconfined where no sandbox is available (warned)')
    p.add_argument('--max-num-workers', type=int, default=None,
                   help='tasks to run at once (overrides the config)')
    p.add_argument('--force', action='store_true', help='redo every task, even fresh ones')
    p.add_argument('-a', '--accelerator', default=None, choices=['vllm', 'lmdeploy'],
                   help='run the transformers models of the config on vLLM (see docs/vllm.md); '
                        'lmdeploy: abbr -lmdeploy, run on vLLM if installed (docs/models.md)')
    from .config_cli import add_arguments
    add_arguments(p)  # OpenCompass's --models/--datasets/--hf-path/--slurm/... flags
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    import traceback  # imports after parsing: `--help` stays as fast as a bare Python start

    from .utils.logging import get_logger, setup_logging
    from .utils.redaction import redact_std_streams
    redact_std_streams()  # known secrets never reach the console
    setup_logging()
    _sigterm_as_interrupt()
    logger = get_logger()
    try:
        if args.list is not None:
            from .config_cli import list_command
            return list_command(args)
        from .pipeline import Pipeline
        return Pipeline(args).run()
    except OpenCompassError as e:
        print(f'error: {e}', file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print('interrupted: running tasks were stopped; resume with -r', file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - a bug: keep the traceback out of the user's face
        logger.debug('unexpected error', exc_info=True)
        log = _crash_log(traceback.format_exc())
        print(f'internal error: {sys.exc_info()[1]!r}; the traceback is in {log}',
              file=sys.stderr)
        return 3


def _sigterm_as_interrupt() -> None:
    """SIGTERM (e.g. ``kill``, ``scancel`` of the driver) stops the run like Ctrl-C does."""
    import signal

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _crash_log(text: str) -> str:
    import tempfile
    fd, path = tempfile.mkstemp(prefix='opencompass-crash-', suffix='.log')
    with os.fdopen(fd, 'w') as f:
        from .utils.redaction import scrub
        f.write(scrub(text))
    return path

