"""The `mc` client commands: talk to a Mission Control server over HTTP."""
