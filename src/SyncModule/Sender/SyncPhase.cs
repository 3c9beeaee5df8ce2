namespace Federation.SyncModule.Sender;

public enum SyncPhase
{
    Hashing,
    Negotiating,
    Sending,
    Retrying,
    Completing,
    Done,
}
