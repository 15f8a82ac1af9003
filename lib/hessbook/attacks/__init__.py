"""Adversarial attacks, robust accuracy and adversarial training (Y §3, Table 5; K).

Inputs live in [0, 1] (models normalize internally), eps is in that scale, and every
attack returns an :class:`AttackResult` whose ``x_adv`` lies in [0, 1] and in the eps ball
of the attack's norm around the inputs. Attacks are plain functions of
``(model, inputs, labels, *, settings)``; they put the model in eval mode and restore each
module's previous mode, never modify their inputs, and take randomness only from an
explicit seed or ``torch.Generator``. The loss is the per-sample cross-entropy and the SUM
over the batch is differentiated, so attacking a batch equals attacking its items one by
one (for deterministic attacks).

=========  ==========================================  ==========================
name       perturbation (Y Table 5, K)                 function
=========  ==========================================  ==========================
fgsm       eps sign(g)                                 :func:`fgsm`
fgsm10     10 x (eps/10) sign(g), projected each step  :func:`fgsm_iterated`
pgd        random start, K steps, projected            :func:`pgd`, :func:`pgd_linf`
l2grad     eps g / ||g||                               :func:`l2grad`
fhsm       eps sign(H^-1 g), CG on input HVPs          :func:`fhsm`
l2hess     eps H^-1 g / ||H^-1 g||                      :func:`l2hess`
=========  ==========================================  ==========================

Modules: :mod:`~hessbook.attacks.first_order`, :mod:`~hessbook.attacks.second_order`
(batched CG and the singular input Hessian), :mod:`~hessbook.attacks.evaluate` (accuracy,
Y Tables 3-4), :mod:`~hessbook.attacks.check` (an attack against its Table 5 definition),
:mod:`~hessbook.attacks.training` (adversaries for the engine, which looks them up there by
name: importing this package registers nothing).
"""

from hessbook.attacks._common import NORMS, AttackResult, eval_mode
from hessbook.attacks.evaluate import (
    AttackTable,
    Robustness,
    accuracy,
    adversarial_examples,
    robustness,
    transfer_table,
)
from hessbook.attacks.first_order import fgsm, fgsm_iterated, l2grad, pgd, pgd_linf, random_start_point
from hessbook.attacks.registry import ATTACKS, NORM_OF, Attack, check_settings, make_attack
from hessbook.attacks.second_order import (
    CGResult,
    conjugate_gradient,
    fhsm,
    input_hvp,
    l2hess,
    newton_direction,
)
from hessbook.attacks.training import ADVERSARIES, adversarial_training_step, adversary, bind_adversary

__all__ = [
    "ADVERSARIES", "ATTACKS", "NORMS", "NORM_OF", "Attack", "AttackResult", "AttackTable", "CGResult",
    "Robustness", "accuracy", "adversarial_examples", "adversarial_training_step", "adversary", "bind_adversary",
    "check_settings", "conjugate_gradient", "eval_mode", "fgsm", "fgsm_iterated",
    "fhsm", "input_hvp", "l2grad", "l2hess", "make_attack", "newton_direction",
    "pgd", "pgd_linf", "random_start_point", "robustness", "transfer_table",
]

