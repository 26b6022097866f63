"""The Streamlit dashboard on the serving DB (`make dashboard`): see app.py."""
