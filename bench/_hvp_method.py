"""Measure double backward vs forward-over-reverse HVP on a LeNet-like CNN (CPU)."""
import statistics
import time

import torch
from hessbook.curvature.operators import HessianOperator
from torch import nn

torch.manual_seed(0)
torch.set_num_threads(2)
def lenet():
    return nn.Sequential(nn.Conv2d(1,20,5,stride=2,padding=2), nn.ReLU(), nn.Conv2d(20,50,5,stride=2,padding=2), nn.ReLU(),
                         nn.Flatten(), nn.Linear(50*7*7,500), nn.ReLU(), nn.Linear(500,10))
m = lenet(); x = torch.rand(256,1,28,28); y = torch.randint(0,10,(256,))
def t(fn, r=5):
    fn(); ts=[]
    for _ in range(r):
        s=time.perf_counter(); fn(); ts.append(time.perf_counter()-s)
    return statistics.median(ts)
P = sum(p.numel() for p in m.parameters()); print("params", P)
def g():
    l = nn.functional.cross_entropy(m(x), y); torch.autograd.grad(l, list(m.parameters()))
print("gradient", t(g))
for meth in ["double_backward", "fwdrev"]:
    op = HessianOperator(m, (x,y), method=meth)
    v = torch.randn(P); V = torch.randn(P, 8)
    print(meth, "1 vec", t(lambda: op.matvec(v)), "8 vec", t(lambda: op.matmat(V)))
