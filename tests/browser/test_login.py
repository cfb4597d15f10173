def test_user_logs_in_and_sees_home_in_french(live_server, page, tmp_path):
    live_server.login(page, "admin")
    assert page.get_by_role("heading", name="Bonjour").is_visible()
    assert page.get_by_role("button", name="Se déconnecter").is_visible()
    page.screenshot(path=str(tmp_path / "accueil.png"))


def test_wrong_password_shows_french_error(live_server, page):
    email, _ = live_server.create_user("lecteur")
    page.goto(live_server.url + "/compte/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill("pas-le-bon")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_text("Adresse e-mail ou mot de passe incorrect").is_visible()
