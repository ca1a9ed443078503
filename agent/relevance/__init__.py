"""The relevance judge: whole-word keywords (lexical), the library's TF-IDF model and dense embeddings
(semantic stage and its admission bar), and the model's verdict (judge)."""
