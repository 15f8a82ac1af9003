"""What the S chapters (Sagun et al. 2017) share: exact Hessian spectra of networks trained on
1K MNIST samples, with their plots and the negative-tail claim (:mod:`.mnist_spectra`, S3 and S4).
Importing this package imports nothing."""
