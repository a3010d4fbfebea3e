"""The purposes a file may be uploaded for, and those whose content cannot be downloaded."""

UPLOAD_PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
NOT_DOWNLOADABLE_PURPOSES = ("assistants", "user_data", "vision")
