# Reply drafting, sign-off and feedback arrive with their issues (see DESIGN.md's layers).
