from blocklint.cli import main

main()
