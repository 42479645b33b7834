"""The Press API's routes, one router per resource. Each handler reaches the registry through
the `Registry` dependency (the app's `state.registry`, set by `create_app`)."""
