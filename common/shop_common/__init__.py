"""Code both services need, kept once: errors, request ids, identity assertions, config."""
