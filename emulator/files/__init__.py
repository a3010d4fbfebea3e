"""Files and the Uploads API: stored bytes and their records."""
