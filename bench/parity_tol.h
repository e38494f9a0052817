/* The numerics contract of the kernel sets, in one place: how far a set's
 * kernel may be from its scalar twin (tests/test_parity.c checks these, and
 * `lenet-bench parity` prints them), and how far the scalar kernel may be
 * from the double-precision oracle (as tests/test_kernels.c documents it).
 * Per element, |got - ref| <= the bound; NaN never passes. ulp(r) is the
 * spacing of floats at |r|; sum|terms| is the same kernel run on |inputs|
 * (plus |start| when it accumulates).
 *
 * Plain macros (no storage), so a file that uses a few warns about none. */
#ifndef LN_PARITY_TOL_H
#define LN_PARITY_TOL_H

/* ---- a set's kernel against its scalar twin ---- */

/* conv2d_*, dense_*: ABS + REL * sum|terms|; at most LOOSE_FRACTION of a
 * family's elements may need more than ABS + REL |ref| (a long sum that
 * cancels to ~0 only measures summation order there). */
#define LN_TOL_BILINEAR_ABS 1e-6
#define LN_TOL_BILINEAR_REL 1e-5
#define LN_TOL_BILINEAR_LOOSE_FRACTION 0.01
/* avgpool2_fwd: ULP ulp, or CANCEL * sum|x|/4 where the window's terms
 * cancel. avgpool2_bwd, maxpool2_*, chan_affine: bit-exact; relu_*: exact
 * (value equality, -0 == +0). */
#define LN_TOL_AVGPOOL_ULP 1.0
#define LN_TOL_AVGPOOL_CANCEL 0x1p-22
/* tanh_fwd, stanh_fwd: ULP ulp or TANH_ABS; sigmoid_fwd: ULP ulp or
 * SIGMOID_ABS (underflow). Their backward: BWD_ULP ulp + BWD_DY |dy|
 * (scalar rounds y*y before 1 - y*y, an FMA does not); also in place. */
#define LN_TOL_SQUASH_ULP 4.0
#define LN_TOL_TANH_ABS 0x1p-30
#define LN_TOL_SIGMOID_ABS 0x1p-126
#define LN_TOL_SQUASH_BWD_ULP 4.0
#define LN_TOL_SQUASH_BWD_DY 0x1p-23
/* softmax_xent: probs PROBS_REL |p| + PROBS_ABS; dlogits |scale|
 * (DLOGITS_REL p + DLOGITS_ABS); loss LOSS_REL |loss| + LOSS_ROW a row. */
#define LN_TOL_SOFTMAX_PROBS_REL 1e-6
#define LN_TOL_SOFTMAX_PROBS_ABS 1e-30
#define LN_TOL_SOFTMAX_DLOGITS_REL 1e-6
#define LN_TOL_SOFTMAX_DLOGITS_ABS 0x1p-23
#define LN_TOL_SOFTMAX_LOSS_REL 1e-6
#define LN_TOL_SOFTMAX_LOSS_ROW 2.4e-7
/* sgd: w and v within ULP ulp. */
#define LN_TOL_SGD_ULP 2.0
/* chan_affine_params: REL sum|terms| + ULP ulp(start) + ABS. */
#define LN_TOL_CHAN_PARAMS_REL 1e-6
#define LN_TOL_CHAN_PARAMS_ULP 4.0
#define LN_TOL_CHAN_PARAMS_ABS 1e-9
/* rbf: scores SCORES_REL |s| + SCORES_ABS; dx DX (1 + |dx|); loss
 * LOSS_REL |loss| + LOSS_ROW a row. */
#define LN_TOL_RBF_SCORES_REL 1e-6
#define LN_TOL_RBF_SCORES_ABS 1e-5
#define LN_TOL_RBF_DX 2e-5
#define LN_TOL_RBF_LOSS_REL 1e-6
#define LN_TOL_RBF_LOSS_ROW 1e-5
/* the whole network, 200 training steps: loss within this, relative */
#define LN_TOL_NET_LOSS_REL 1e-3

/* ---- the scalar kernel against the double oracle (ABS + REL |oracle|) ---- */

#define LN_ORACLE_BILINEAR_ABS 1e-5
#define LN_ORACLE_BILINEAR_REL 1e-4
#define LN_ORACLE_AVGPOOL_ABS 1e-6 /* the other poolings and relu: exact */
#define LN_ORACLE_TANH_REL 3e-7
#define LN_ORACLE_TANH_ABS 1e-9
#define LN_ORACLE_TANH_BWD_ABS 3e-7
#define LN_ORACLE_SQUASH_REL 4e-7 /* stanh, sigmoid */
#define LN_ORACLE_SQUASH_ABS 1e-9
#define LN_ORACLE_SQUASH_BWD_ABS 3e-7
#define LN_ORACLE_SQUASH_BWD_REL 1e-6
#define LN_ORACLE_SOFTMAX_REL 4e-6      /* probs and dlogits */
#define LN_ORACLE_SOFTMAX_ABS 1e-9      /* probs */
#define LN_ORACLE_SOFTMAX_DLOGITS 1e-6  /* times scale */
#define LN_ORACLE_SOFTMAX_LOSS_ROW 2e-6 /* + LOSS_REL |loss| */
#define LN_ORACLE_SOFTMAX_LOSS_REL 1e-6

#endif
