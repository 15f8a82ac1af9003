"""What the Y chapters (Yao et al. 2018) share: Y's setup (:mod:`.paper`), Y's trained networks
and the block of parameters that determines them (:mod:`.networks`), where a scale departs from
Y's setup, in words (:mod:`.deviations`), trends across batch sizes in words (:mod:`.trends`),
and Y's regime criteria, what a scale must keep of Y's training (:mod:`.regime`).
Importing this package imports none of them."""
