"""What a test client of the dashboard sends so its forms count as the dashboard's own."""

SAME_ORIGIN = {"Origin": "http://testserver"}
"""The origin of Starlette's TestClient (`http://testserver`): the dashboard refuses a POST that
names another origin, or none (a browser always names one)."""
