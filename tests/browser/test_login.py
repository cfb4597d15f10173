from playwright.sync_api import expect


def test_user_logs_in_and_sees_home_in_french(live_server, page, tmp_path):
    live_server.login(page, "admin")
    expect(page.get_by_role("heading", name="Bonjour")).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    page.screenshot(path=str(tmp_path / "accueil.png"))


def test_wrong_password_shows_french_error(live_server, page):
    email, _ = live_server.create_user("lecteur")
    page.goto(live_server.url + "/compte/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill("pas-le-bon")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Adresse e-mail ou mot de passe incorrect")).to_be_visible()


def test_pages_load_without_a_failed_request(live_server, page):
    failed = []
    page.on(
        "response", lambda response: failed.append(response.url) if response.status >= 400 else None
    )
    page.on(
        "console", lambda message: failed.append(message.text) if message.type == "error" else None
    )
    page.goto(live_server.url + "/compte/connexion")
    live_server.login(page, "admin")
    page.goto(live_server.url + "/compte/utilisateurs")
    page.wait_for_load_state("networkidle")
    assert failed == []


def test_user_changes_password_from_the_header(live_server, page):
    email = live_server.login(page, "enqueteur")
    page.get_by_role("link", name="Changer de mot de passe").click()
    page.get_by_label("Mot de passe actuel").fill("motdepasse-solide-42")
    page.get_by_label("Nouveau mot de passe", exact=True).fill("nouveau-secret-2025")
    page.get_by_label("Nouveau mot de passe, une seconde fois").fill("nouveau-secret-2025")
    page.get_by_role("button", name="Changer le mot de passe").click()
    expect(page.get_by_text("Mot de passe changé")).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill("nouveau-secret-2025")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Bonjour")).to_be_visible()
