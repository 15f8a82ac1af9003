"""Y's setup, shared by every Y chapter: the models and their datasets, the batch sizes of Y's
Tables 1, 2 and 7, and the training conditions Y states (what the deviations compare a scale with)."""

from __future__ import annotations

MODELS = ("c1", "c2", "m1", "resnet18")
DATASET = {"c1": "cifar10", "c2": "cifar10", "m1": "mnist", "resnet18": "cifar100"}
PAPER_BATCHES: dict[str, tuple[int, ...]] = {
    "c1": (16, 32, 64, 128, 256, 512, 1024, 2048), "c2": (256, 512, 1024, 2048),
    "m1": (64, 128, 256, 512, 1024, 2048), "resnet18": (64, 128, 256, 512)}
"""The batch sizes of Y's Tables 1, 2 and 7."""
TRAIN_SIZE = {"cifar10": 50000, "cifar100": 50000, "mnist": 60000}
"""Y trains on the whole training sets."""
C1_STRIDE = 2
"""Y App. A.3: 'For our Conv(5,5,b) (Conv(3,3,b)) layers, the stride is 2 (1)' -- C1's 5x5 convolutions."""
RESNET18_WIDTH = 64
"""He et al.'s ResNet18 (Y does not print its layout)."""
TOP_K = 20
"""Fig 1: the dominant and the next 19 eigenvalues."""
LOSS_TARGET = 1e-3
"""Every batch size is trained to this training loss (Y §2)."""
K_SCHEDULE = ("Y gives no schedule for Table 1; K (§3, 'Benchmark') trains 'using exactly the settings from "
              "their paper': lr 0.01, momentum 0.9, the lr halved every 5 epochs, 100 epochs (Y §3.4's schedule)")
"""What Kamath et al. report as Y's training schedule."""
