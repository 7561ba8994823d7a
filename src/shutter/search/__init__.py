"""Search (people, hashtags, places) and the hashtag and location pages."""
