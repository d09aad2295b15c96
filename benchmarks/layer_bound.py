#!/usr/bin/env python3
"""Per-layer fraction of the FLOP bound: how close each layer of a net comes to
the machine's sgemm rate.

    layer_bound.py --build build --model net.prototxt --gflops 150 [--iterations 5]
                   [--passes fwdbwd|fwd] [--min-share 0.01]

Runs build/tools/summary (forward FLOPs per layer) and build/tools/time (milliseconds per
layer, forward and backward; fused and folded chains are timed on their first layer) on the
model, and prints a markdown table: each layer's bound is its FLOPs (forward, and twice that
again for the backward's two products) at --gflops, and the fraction is bound / measured.
Layers with less than --min-share of the measured time are summed into one row. Values above
1 mean the layer does fewer multiply-adds than the direct product counts (Winograd).
"""
import argparse
import re
import subprocess
import sys

UNITS = {'FLOP': 1.0, 'KFLOP': 1e3, 'MFLOP': 1e6, 'GFLOP': 1e9, 'TFLOP': 1e12}


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f'layer_bound.py: {" ".join(cmd)} failed: {result.stderr.strip()[-400:]}')
    return result.stdout


def summary_flops(build, model):
    """{layer: forward FLOPs} from tools/summary's table."""
    flops = {}
    for line in run([f'{build}/tools/summary', f'--model={model}']).splitlines():
        m = re.match(r'^(\S+)\s+\S+\s+.*?\s([0-9.]+) (K|M|G|T)?FLOP\b', line)
        if m:
            flops[m.group(1)] = float(m.group(2)) * UNITS[(m.group(3) or '') + 'FLOP']
    return flops


def layer_times(build, model, iterations, phase):
    """[(layer, forward ms, backward ms, note)] in net order, from tools/time."""
    out = run([f'{build}/tools/time', f'--model={model}', f'--iterations={iterations}',
               f'--phase={phase}'])
    rows, index = [], {}
    for line in out.splitlines():
        m = re.match(r'^\s*(\S+)\s+(forward|backward):\s+([0-9.]+) ms\.(?:\s+\[(.*)\])?', line)
        if not m:
            continue
        name, kind, ms, note = m.group(1), m.group(2), float(m.group(3)), m.group(4) or ''
        if name not in index:
            index[name] = len(rows)
            rows.append([name, 0.0, 0.0, ''])
        row = rows[index[name]]
        row[1 if kind == 'forward' else 2] = ms
        if note:
            row[3] = note
    total = re.search(r'Average Forward-Backward: ([0-9.]+) ms', out)
    return rows, float(total.group(1)) if total else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', default='build')
    ap.add_argument('--model', required=True)
    ap.add_argument('--gflops', type=float, required=True, help='the sgemm rate, GFLOP/s')
    ap.add_argument('--iterations', type=int, default=5)
    ap.add_argument('--passes', choices=['fwdbwd', 'fwd'], default='fwdbwd')
    ap.add_argument('--min-share', type=float, default=0.01)
    args = ap.parse_args()
    flops = summary_flops(args.build, args.model)
    phase = 'TRAIN' if args.passes == 'fwdbwd' else 'TEST'
    rows, total_ms = layer_times(args.build, args.model, args.iterations, phase)
    passes = 3 if args.passes == 'fwdbwd' else 1
    measured = sum(r[1] + (r[2] if passes == 3 else 0) for r in rows)
    print('| layer | algorithm | forward MFLOP | measured ms | bound ms | bound / measured |')
    print('| --- | --- | --- | --- | --- | --- |')
    rest_ms = rest_bound = 0.0
    all_bound = 0.0
    for name, fwd, bwd, note in rows:
        ms = fwd + (bwd if passes == 3 else 0)
        f = flops.get(name, 0.0)
        # Elementwise layers count FLOPs too, but no product: their bound is memory's.
        product = bool(re.match(r"(packed|winograd|im2col|depthwise|pointwise)", note)) or \
            name in ('fc', 'ip')
        bound = f * passes / (args.gflops * 1e9) * 1e3 if product else 0.0
        all_bound += bound
        if ms < args.min_share * measured or not product:
            rest_ms += ms
            rest_bound += bound
            continue
        print(f'| {name} | {note.split(",")[0]} | {f / 1e6:.1f} | {ms:.2f} | {bound:.2f} | '
              f'{bound / ms:.2f} |')
    print(f'| the other layers (BatchNorm chains, Eltwise, pooling, ...) | | | {rest_ms:.2f} | '
          f'{rest_bound:.2f} | {rest_bound / rest_ms if rest_ms else 0:.2f} |')
    print(f'| **all** | | | **{measured:.2f}** | **{all_bound:.2f}** | '
          f'**{all_bound / measured:.2f}** |')


if __name__ == '__main__':
    main()
