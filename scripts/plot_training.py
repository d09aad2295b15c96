#!/usr/bin/python3
"""Plots a training log CSV (tools/train --log_csv) as a PNG: losses on the
left, every test accuracy on the right, against iterations.

Usage: /usr/bin/python3 scripts/plot_training.py LOG.csv OUT.png [--title TITLE]
Needs Debian's python3-matplotlib (installed by scripts/install_deps.sh).
"""
import argparse
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_columns(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0][:4] != ["iteration", "seconds", "lr", "train_loss"]:
        sys.exit(f"plot_training: {path}: not a training log (expected the header of tools/train --log_csv)")
    header, body = rows[0], rows[1:]
    series = {name: ([], []) for name in header[3:]}
    for row in body:
        for name, cell in zip(header[3:], row[3:]):
            if cell:
                series[name][0].append(int(row[0]))
                series[name][1].append(float(cell))
    return series


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log")
    parser.add_argument("out")
    parser.add_argument("--title", default=None)
    args = parser.parse_args()
    try:
        series = read_columns(args.log)
    except OSError as e:
        sys.exit(f"plot_training: {e}")
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(11, 4))
    for name, (x, y) in series.items():
        if not x:
            continue
        if "accuracy" in name:
            acc_ax.plot(x, y, marker="o", label=name)
        elif "loss" in name:
            loss_ax.plot(x, y, marker="o" if name != "train_loss" else None, label=name)
    loss_ax.set_xlabel("iteration")
    loss_ax.set_ylabel("loss")
    loss_ax.set_yscale("log")
    acc_ax.set_xlabel("iteration")
    acc_ax.set_ylabel("accuracy")
    for ax in (loss_ax, acc_ax):
        ax.grid(True, alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    fig.suptitle(args.title or args.log)
    fig.tight_layout()
    try:
        fig.savefig(args.out, dpi=100)
    except OSError as e:
        sys.exit(f"plot_training: {e}")
    print(f"Plot: {args.out}")


if __name__ == "__main__":
    main()
