"""The appendix draws no figure: its notebook tabulates the cards :func:`.compute.run` returns.
(The file is here so that every chapter package has the same files.)"""
