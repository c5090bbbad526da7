"""`factory demo`: the bundled sample project, its bug ticket and the scripted model turns."""
