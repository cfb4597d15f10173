"""The stored questionnaires and their versions (drafts, published, archived): what every
feature reads. The designer edits them; interviews, review, the API and coding read them."""
