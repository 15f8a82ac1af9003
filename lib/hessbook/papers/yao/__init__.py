"""What the Y chapters (Yao et al. 2018) share: Y's setup (:mod:`.paper`), Y's trained networks
and the block of parameters that determines them (:mod:`.networks`), where a scale departs from
Y's setup, in words (:mod:`.deviations`), and trends across batch sizes in words (:mod:`.trends`).
Importing this package imports none of them."""
