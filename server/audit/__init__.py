"""The tamper-evident audit log: canonical encoding and hash chain, writer, verifier, checkpoints, export."""
