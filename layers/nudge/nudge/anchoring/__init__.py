"""Price anchoring: tiers priced against an anchor, savings and their display, and tier-multiplier experiments.

The rules are plain functions with no I/O: `tiers` (tier configuration, tier prices, savings against the
anchor, the recommended tier), `savings` (savings formatted in a currency, with a saving tier and a message),
`experiment_assignment` (deterministic variant choice) and `experiment_stats` (per-variant results, lift,
probability to beat control, sample-ratio-mismatch check). `pricing_table` and `anchoring_table` are its
DynamoDB adapters; `tier_offers`, `tier_selections`, `tier_admin` and `experiments` are the use cases.
"""
