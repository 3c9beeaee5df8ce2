using System.Text.Json;
using Federation.Adapters.Kubernetes.Pods;
using Federation.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Federation.Adapters.Kubernetes.Webhook;

/// <summary>
/// The thin HTTP endpoint of the webhook: <c>POST /mutate-pods</c>, an AdmissionReview in, an AdmissionReview out (decided by
/// <see cref="PodMutator"/>). A pod it rewrites reads its Engine credential from a Secret of its namespace, so that Secret
/// is written before the answer (not on a dry run: the webhook's side effects are <c>NoneOnDryRun</c>); when it cannot be,
/// the pod is refused with the reason rather than admitted to wait for a Secret that never comes.
/// </summary>
public static class WebhookEndpoint
{
    private const long MaxBody = 4 * 1024 * 1024;

    public static void Map(IEndpointRouteBuilder endpoints, PodMutator mutator, EngineSecrets secrets) =>
        endpoints.MapPost(PodMutator.Path, async (HttpContext context) =>
        {
            if (context.Request.ContentLength is > MaxBody) return Results.Text("federation: the AdmissionReview is larger than 4 MiB", statusCode: StatusCodes.Status413PayloadTooLarge);
            AdmissionReviewMessage? review;
            try
            {
                review = await JsonSerializer.DeserializeAsync<AdmissionReviewMessage>(context.Request.Body, cancellationToken: context.RequestAborted);
            }
            catch (JsonException e)
            {
                return Results.Text($"federation: the body is not an AdmissionReview: {ErrorMappingInterceptor.OneLine(e.Message)}", statusCode: StatusCodes.Status400BadRequest);
            }
            if (review is null) return Results.Text("federation: the body is not an AdmissionReview", statusCode: StatusCodes.Status400BadRequest);
            var answer = mutator.Review(review);
            if (answer.Response is { Allowed: true, Patch: not null } && review.Request is { DryRun: not true, Namespace: { Length: > 0 } ns })
            {
                try
                {
                    await secrets.EnsureAsync(ns, context.RequestAborted);
                }
                catch (FederationException e)
                {
                    answer.Response.Allowed = false;
                    answer.Response.Patch = null;
                    answer.Response.PatchType = null;
                    answer.Response.Status = new AdmissionStatusMessage { Code = 500, Message = $"federation: the Engine credential of namespace {ns} cannot be written: {e.Message}" };
                }
            }
            return Results.Json(answer);
        });
}
