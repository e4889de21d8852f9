"""`mc import`: bring an original (Node) Mission Control database over."""
