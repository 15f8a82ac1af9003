"""Curvature of a loss: Hessian and Gauss-Newton operators, eigensolvers, exact matrices,
spectral density, the input Hessian, landscapes and outlier counting.

- :mod:`.operators` -- ``HessianOperator``, ``GaussNewtonOperator``, ``DenseOperator``
- :mod:`.lanczos` -- ``lanczos`` (full reorthogonalization, residual-based stop), ``EigenResult``
- :mod:`.block` -- ``block_lanczos`` (blocks of products, BLAS-3 reorthogonalization; for clusters of
  (nearly) equal top eigenvalues, which one Krylov vector misses; slower than ``lanczos`` elsewhere)
- :mod:`.power` -- ``power_iteration`` (the papers' method, deflation, relative-change stop)
- :mod:`.exact` -- ``hessian_matrix``, ``gauss_newton_matrix``, ``exact_spectra``, ``logistic_hessian``
- :mod:`.slq` -- ``slq`` spectral density
- :mod:`.input_hessian` -- ``input_hessian_exact``, ``input_hessian_power``, ``input_hessian_dense``,
  ``InputHessianOperator``
- :mod:`.landscape` -- ``loss_along``, ``loss_surface``, ``loss_interpolation``, ``random_direction``
- :mod:`.outliers` -- ``count_outliers``; a spectrum's ``numerical_rank``, ``bulk_fraction``,
  ``gap_outliers``, ``frobenius``
- :mod:`.epoch_metrics` -- training's epoch metrics ``hessian_lambda1`` (and its residual),
  which :mod:`hessbook.train` finds by name (this package never imports the training engine)
"""

from hessbook.curvature.block import block_lanczos
from hessbook.curvature.exact import (ExactSpectra, exact_spectra, gauss_newton_matrix, hessian_matrix,
                                      logistic_hessian, spectrum)
from hessbook.curvature.input_hessian import (InputHessianOperator, InputHessianResult, InputPowerResult,
                                              input_gradient_norms, input_hessian_dense, input_hessian_exact,
                                              input_hessian_power)
from hessbook.curvature.lanczos import EigenResult, lanczos
from hessbook.curvature.landscape import (LineResult, SurfaceResult, evaluate, loss_along, loss_interpolation,
                                          loss_surface, parameters_vector, random_direction)
from hessbook.curvature.operators import (Batches, DenseOperator, GaussNewtonOperator, HessianOperator,
                                          LinearOperator, eval_mode)
from hessbook.curvature.outliers import (OutlierCounts, bulk_fraction, count_outliers, frobenius, gap_outliers,
                                         numerical_rank)
from hessbook.curvature.power import power_iteration
from hessbook.curvature.slq import SpectralDensity, slq

__all__ = [
    "Batches", "DenseOperator", "block_lanczos", "EigenResult", "ExactSpectra", "GaussNewtonOperator", "HessianOperator",
    "InputHessianOperator", "InputHessianResult", "InputPowerResult", "LineResult", "LinearOperator",
    "OutlierCounts", "SpectralDensity", "SurfaceResult", "bulk_fraction", "count_outliers", "eval_mode",
    "evaluate", "frobenius", "gap_outliers", "numerical_rank",
    "exact_spectra", "gauss_newton_matrix", "hessian_matrix", "input_gradient_norms", "input_hessian_dense",
    "input_hessian_exact", "input_hessian_power", "lanczos", "logistic_hessian", "loss_along", "loss_interpolation",
    "loss_surface", "parameters_vector", "power_iteration", "random_direction", "slq", "spectrum",
]
