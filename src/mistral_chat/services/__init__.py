"""Product logic between the interfaces and the wire client: settings, credentials, the model
catalog, images and attachments, conversations, transfers. No printing, no prompting."""
