def main() -> None:
    print("errorstream")
