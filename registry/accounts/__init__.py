"""Accounts: registration of an organisation and its first user, logins made from the shell,
users and roles (admins), and requests to join an organisation that is already registered."""
