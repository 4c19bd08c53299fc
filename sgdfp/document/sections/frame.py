r"""The moving-frame section: the covariance of the replicas propagated along the mean path.

The recursion printed is derived by :func:`sgdfp.derive.frame.covariance_step` (expectations of the linearised
update over independent noise families) and checked there against its matrix form; the prose says what the
validator (:mod:`sgdfp.validate.moving_frame`) holds fixed between refreshes and which closure it uses.
"""

from __future__ import annotations

import sympy as sp

from sgdfp.document.builder import DocumentBuilder
from sgdfp.document.display import Row
from sgdfp.document.gather import Derived

__all__ = ["write_frame"]


def write_frame(b: DocumentBuilder, derived: Derived) -> None:
    """Section 14: the moving frame, for references away from a critical point."""
    from sgdfp.derive.frame import closed_form, covariance_step, curvature_noise_term

    step = covariance_step(2)
    if (step.next_covariance - closed_form(step)).applyfunc(sp.expand) != sp.zeros(2, 2):
        raise AssertionError("the derived frame recursion does not match its matrix form")  # printed as equal below
    b.section("The moving frame", "frame")
    b.text(r"""
The mode theory linearises once, at the reference point $\theta^*$. Away from a critical point the replicas'
mean drifts along the gradient-descent path $\bar\theta_{k+1} = \bar\theta_k - \eta\nabla L(\bar\theta_k)$, and
the curvature $H_k = H(\bar\theta_k)$ and the minibatch gradient covariance $C_k$ change on the way. About the
path a replica's deviation $x = \theta - \bar\theta_k$ moves by the minibatch gradient linearised there,
$x' = x - \eta\,(H_k x + \delta H\,x + \delta g)$, with $(\delta H, \delta g)$ drawn afresh each step with mean zero
and $x$ of mean zero and covariance $S_k$. Taking the expectation of $x'x'^\top$ term by term (in two explicit
coordinates, every monomial's expectation factorised over the independent families) gives, entry by entry,""")
    S = step.next_covariance
    b.equation("frame-covariance-entries", [Row("S'_{11}", sp.collect(sp.expand(S[0, 0]), [step.covariance[0, 0],
                                                                                      step.covariance[0, 1],
                                                                                      step.covariance[1, 1]])),
                                             Row("S'_{12}", sp.collect(sp.expand(S[0, 1]), [step.covariance[0, 0],
                                                                                      step.covariance[0, 1],
                                                                                      step.covariance[1, 1]]))])
    b.text(r"""
with $Q_{ab,cd} = \mathbb{E}[\delta H_{ab}\,\delta H_{cd}]$. The correlations $R_{ab,c} =
\mathbb{E}[\delta H_{ab}\,\delta g_c]$ of the curvature noise with the gradient noise do not appear: each such
term carries one factor of the zero-mean deviation. In matrices (\texttt{sgdfp} checks the identity entry by entry)""")
    b.equation("frame-covariance", [Row("S_{k+1}", sp.Symbol(
        r"(I - \eta H_k)\,S_k\,(I - \eta H_k)^{\top} + \eta^{2} C_k + \eta^{2}\,\mathbb{E}[\delta H\,S_k\,\delta H]"))])
    term = curvature_noise_term(step)
    b.text(r"""
where $\mathbb{E}[\delta H\,S\,\delta H]_{11} = """ + sp.latex(sp.expand(term[0, 0])) + r"""$. In the
eigenbasis $e_i$ of $H(\theta^*)$ the validator keeps the diagonal of this term, $\Gamma_i\,(S_k)_{ii}$ with the
reference point's curvature noise $\Gamma_i$ (the off-diagonal curvature noise of a real network is the coupled
theory's subject), and refreshes $H_k$ and $C_k$ (the per-sample gradient covariance at $\bar\theta_k$ times the
minibatch factor) every $m$ steps, holding them in between. Its prediction is
$\operatorname{Var}(e_i^\top\theta_k) = e_i^\top S_k e_i$ and the mean displacement
$e_i^\top(\bar\theta_k - \theta^*)$; at a critical point the path stays at $\theta^*$ and the recursion is the
mode theory's, mode by mode. With momentum the state is $(x, v)$ and the same expectation gives the recursion of
its $2P \times 2P$ covariance, with the momentum map in place of $I - \eta H_k$. The mean path leaves out the
push of the fluctuations on the mean, $\mathbb{E}[\nabla L(\bar\theta + x)] - \nabla L(\bar\theta) =
\tfrac12\nabla\operatorname{tr}(H S) + \dots$, of the order of the variance.""")
