from fastapi.testclient import TestClient
from trainerdesk.api import build_api

def test_flow(db_url):
    c = TestClient(build_api())
    assert c.get("/api/health").json() == {"status": "ok"}
    r = c.post("/api/auth/signup", json={"email":"a@b.co","password":"password1","name":"Ann Trainer","timezone":"Europe/Berlin"})
    assert r.status_code == 201, r.text
    tid, key = r.json()["trainerId"], r.json()["apiKey"]
    h = {"Authorization": f"Bearer {key}"}
    r = c.put(f"/api/trainers/{tid}/availability", json={"blocks":[{"dayOfWeek":d,"startTime":"09:00","endTime":"17:00"} for d in range(7)]}, headers=h)
    assert r.status_code == 200, r.text
    r = c.post(f"/api/trainers/{tid}/availability", json={"dayOfWeek":0,"startTime":"16:00","endTime":"18:00"}, headers=h)
    assert r.status_code == 409, r.text
    print(r.json())
    r = c.patch(f"/api/trainers/{tid}/preferences", json={"minNoticeHours":0,"sessionDurations":[60,30]}, headers=h)
    assert r.status_code == 200, r.text
    print(r.json())
    r = c.get("/api/bookings/availability", params={"trainerId":tid,"date":"2027-01-05","duration":"60","clientTimezone":"Asia/Tokyo"})
    assert r.status_code == 200, r.text
    slots = r.json(); print(slots[:2])
    r = c.post("/api/bookings", json={"trainerId":tid,"startTime":slots[0]["startTime"],"duration":60,"name":"Cli","email":"c@d.co","clientTimezone":"Asia/Tokyo","privacyAccepted":True})
    assert r.status_code == 201, r.text
    b = r.json(); print(b)
    r = c.post("/api/bookings", json={"trainerId":tid,"startTime":slots[0]["startTime"],"duration":60,"name":"Cli","email":"c@d.co","clientTimezone":"Asia/Tokyo","privacyAccepted":True})
    assert r.status_code == 409, r.text
    r = c.get(f"/api/bookings/{b['id']}", params={"token": b["token"]}); assert r.status_code == 200
    r = c.get(f"/api/bookings/{b['id']}/ics", params={"token": b["token"]}); print(r.text)
    r = c.get(f"/api/bookings/{b['id']}", params={"token": "x"}); assert r.status_code == 404
    r = c.post(f"/api/bookings/{b['id']}/cancel", json={"reason":"ill", "token": b["token"], "acknowledgeLateCancellation": True}); assert r.status_code == 200, r.text
    r = c.get(f"/api/bookings/{b['id']}/history", params={"token": b["token"]}); print(r.json())
    r = c.get(f"/api/trainers/{tid}/bookings", headers=h); print(r.json()["total"])
    r = c.get(f"/api/trainers/{tid}/bookings.csv", headers=h); print(r.text)
    r = c.get("/api/bookings/availability/dates", params={"trainerId":tid,"month":"2027-01"}); print(r.json()[:3])
    r = c.get("/api/bookings/availability", params={"trainerId":tid,"date":"2027-13-05"}); print(r.status_code, r.json())
