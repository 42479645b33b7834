from blocklint.entry import main

main()
