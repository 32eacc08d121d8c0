from paretoprompt.cli import main

main()
