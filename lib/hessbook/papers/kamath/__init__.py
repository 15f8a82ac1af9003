"""What K1 and K2 (Kamath et al.) share: K's setup (:mod:`.paper`), the grid of stored jobs
(:mod:`.grid`: one job = (case, setting, momentum, batch size) -> trained network -> test,
FGSM and PGD accuracy and λ1), the trends K's claims are graded on (:mod:`.trends`), where a
scale departs from K's setting (:mod:`.deviations`), and K's panel layout with the explorer
(:mod:`.figures`). K1 and K2 hold the same
:class:`~.grid.KGrid` block, so every network they have in common is trained once."""

from hessbook.papers.kamath.grid import Grid, KGrid, KRun, Run, RunResult, grid_jobs, train_config
from hessbook.papers.kamath.paper import CASES, SETTINGS

__all__ = ["CASES", "SETTINGS", "Grid", "KGrid", "KRun", "Run", "RunResult", "grid_jobs", "train_config"]
