"""Personalized defaults: which archetype a user is, how urgent their date change is, and which
transaction option (buyout, crash, swap) to offer first, at what price.

The rules (`archetype_detection`, `urgency`, `default_selection`) are plain functions with no I/O;
`recommendation_table` is this capability's DynamoDB adapter, and the use cases (`recommendations`,
`user_archetypes`, ...) combine the two.
"""
