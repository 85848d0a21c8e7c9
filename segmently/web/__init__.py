"""HTTP: the application factory, middleware, error handlers and dashboard pages."""
