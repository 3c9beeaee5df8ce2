namespace Federation.Tests.Marathon.Agent;

/// <summary>The container of a task cannot be made: the task ends TASK_FAILED with this message (as Mesos reports it).</summary>
public sealed class TaskLaunchException(string message) : Exception(message);
