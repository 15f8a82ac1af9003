"""The machine a benchmark ran on, as one line for bench/RESULTS.md."""

from __future__ import annotations

import os
import platform

import torch


def machine() -> str:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return (f"CPU {cpu!r}, nproc {os.cpu_count()}, torch threads {torch.get_num_threads()}, GPU {gpu}, "
            f"torch {torch.__version__}, Python {platform.python_version()}, "
            f"load average {os.getloadavg()[0]:.2f}")
