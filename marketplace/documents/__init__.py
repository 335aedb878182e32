"""Uploaded files, whatever they are attached to (a need, a bid, a delivery report):
`uploads` checks a file is what its name says, `store` keeps it under a random key
outside static/, and `serving` sends it back as a download. The rows that name a file,
and who may see it, belong to each domain (needs.documents, bids, delivery)."""
