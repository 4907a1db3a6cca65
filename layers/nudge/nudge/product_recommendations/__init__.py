"""Product recommendations with explanations: ranking from per-category candidate lists, the user's feedback."""
