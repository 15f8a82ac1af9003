"""What the chapters of one paper share, a package per paper (:mod:`.yao`, :mod:`.kamath`,
:mod:`.sagun`): the paper's setup, the networks or grid that several of its chapters compute on,
their trends and deviations in words. Below the chapters (a chapter imports these, never another
chapter); importing this package imports none of them."""
