def test_home(client, pledge):
    r = client.get("/")
    assert r.status_code == 200
    assert b"Digital Protection" in r.data
