from segmently.cli import main

main()
