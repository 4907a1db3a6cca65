"""Engagement: what a consenting user does on a survey platform (views, bookmarks, surveys, clicks),
kept as an engagement score and an interest vector, both updated incrementally."""
