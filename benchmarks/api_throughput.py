"""API throughput: samples/s of ``OpenAISDK`` against a local endpoint with fixed latency L.

For each concurrency c the ideal rate is c/L (c requests always in flight, each taking
exactly L). We report our rate as a fraction of that, and also the rate of a bare
client (plain threads + ``http.client``, no limiter/retries/parsing) in the same run,
so a shortfall can be blamed on our machinery or on the machine/server.

Run: ``.venv/bin/python benchmarks/api_throughput.py [--latency 0.5] [--rounds 16]``.
The endpoint is ``tests/api_servers.py`` in a separate process (a threaded HTTP server).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'tests'))

from helpers import free_port  # noqa: E402

from opencompass.models.openai_api import OpenAISDK  # noqa: E402
from opencompass.utils.fileio import Journal  # noqa: E402


def start_server(latency: float) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, 'tests', 'api_servers.py'),
                             '--port', str(port), '--latency', str(latency)],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith('ready'):
        proc.kill()
        raise SystemExit('the benchmark endpoint did not start')
    return proc, f'http://127.0.0.1:{port}/v1'


def ours(base_url: str, c: int, n: int, journal_dir: str) -> float:
    """Samples/s through OpenAISDK.generate_iter, journaling each answer like a task does."""
    model = OpenAISDK(path='bench', key='EMPTY', openai_api_base=base_url, max_workers=c,
                      timeout=60)
    prompts = [f'What is {i} + 1?' for i in range(n)]
    journal = Journal(os.path.join(journal_dir, f'c{c}.jsonl'), 'bench')
    journal.open(keep=False)
    started = time.perf_counter()
    got = 0
    for burst in model.generate_iter(prompts, max_out_len=8):
        journal.append({str(i): out for i, out in burst})
        got += sum(0 if out.get('failed') else 1 for _, out in burst)
    elapsed = time.perf_counter() - started
    journal.remove()
    model.client.close()
    if got != n:
        raise SystemExit(f'c={c}: only {got} of {n} requests succeeded')
    return n / elapsed


def bare(base_url: str, c: int, n: int) -> float:
    """Samples/s of the simplest possible client: c threads, one keep-alive connection each."""
    host, port = base_url.split('//')[1].split('/')[0].split(':')
    body = json.dumps({'model': 'bench', 'messages': [{'role': 'user', 'content': 'hi'}],
                       'max_tokens': 8}).encode()
    counter = iter(range(n))
    lock = threading.Lock()

    def work() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        while True:
            with lock:
                if next(counter, None) is None:
                    break
            conn.request('POST', '/v1/chat/completions', body,
                         {'Content-Type': 'application/json'})
            conn.getresponse().read()
        conn.close()

    threads = [threading.Thread(target=work) for _ in range(c)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return n / (time.perf_counter() - started)


def measure(latency: float = 0.5, rounds: int = 16,
            concurrency: tuple[int, ...] = (1, 8, 32, 128)) -> list[dict]:
    """For each c: ideal c/L, the bare client's and OpenAISDK's samples/s."""
    proc, base_url = start_server(latency)
    out = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for c in concurrency:
                n = c * rounds
                out.append({'c': c, 'n': n, 'ideal': c / latency, 'bare': bare(base_url, c, n),
                            'ours': ours(base_url, c, n, tmp)})
    finally:
        proc.terminate()
        proc.wait()
    return out


def run(latency: float = 0.5, rounds: int = 16) -> list:
    """Rows for ``benchmarks/run_all.py`` (see benchmarks/common.py)."""
    from common import Row
    return [Row('api_throughput', f'OpenAISDK at c={m["c"]}, L={latency:g} s', m['ours'], '/s',
                'ideal c/L', m['ideal'], '>= 0.9x', m['ours'] / m['ideal'] >= 0.9)
            for m in measure(latency, rounds)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--latency', type=float, default=0.5, help='seconds per request')
    parser.add_argument('--rounds', type=int, default=16, help='requests per slot (n = c*rounds)')
    parser.add_argument('--concurrency', default='1,8,32,128')
    args = parser.parse_args()
    from tabulate import tabulate
    results = measure(args.latency, args.rounds,
                      tuple(int(x) for x in args.concurrency.split(',')))
    rows = [[m['c'], m['n'], f"{m['ideal']:.1f}", f"{m['bare']:.1f}",
             f"{m['bare'] / m['ideal']:.2f}", f"{m['ours']:.1f}", f"{m['ours'] / m['ideal']:.2f}",
             'ok' if m['ours'] / m['ideal'] >= 0.9 else 'BELOW 0.9'] for m in results]
    print(f'OpenAISDK throughput, endpoint latency L = {args.latency:g} s, '
          f'{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}')
    print(tabulate(rows, headers=['c', 'requests', 'ideal c/L', 'bare client', 'bare/ideal',
                                  'OpenAISDK', 'ours/ideal', 'target'], tablefmt='github'))


if __name__ == '__main__':
    main()
