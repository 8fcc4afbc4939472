"""Chat model factories (OpenRouter through langchain-openai)."""
